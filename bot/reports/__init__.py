"""Reports for leads (issue 13): ``/report [month|quarter|YYYY-MM]`` in private.

- ``periods``: which span a report covers, in the squad's time zone (pure);
- ``figures``: medians, counts and weekly series (pure);
- ``anonymised``: the CSV, one row per case the survivor let be counted, with small cells
  shown as "<5" (pure);
- ``charts``: the PNG charts (matplotlib, Agg, no pyplot state);
- ``service``: ``Reports``, the command.
"""
