"""Data for the demo city (`manage.py demo_data`): real district names, plausible figures."""
