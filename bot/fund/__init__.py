"""The squad's emergency fund (issue 13): a ledger per squad, in one currency.

- ``amounts``: exact amounts typed the way people type them, currencies, purposes (pure);
- ``views``: what ``/fund`` shows leads and members, and the ledger's CSV (pure);
- ``decisions``: a request's purpose, the leads' Approve and Reject, "paid out", receipts;
- ``service``: ``Fund``, the commands (with the decisions).
"""
