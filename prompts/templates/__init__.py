"""Jinja2 document templates (package data, read through importlib.resources)."""
