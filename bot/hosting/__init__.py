"""What the people who host Squadline need: health and metrics, JSON logs, backups.

Nothing here imports Telegram: the composition root (``bot/app.py``) hands in what to
check, and the CLI (``bot/__main__.py``) calls the backup and restore.
"""
