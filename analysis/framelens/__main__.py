"""``python -m framelens`` runs the CLI."""
from .cli.main import run

run()
