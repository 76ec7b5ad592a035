"""The Flask application: an app factory, thin views (one blueprint per page family),
templates/ and static/ (vendored), served by waitress (`server.py`).

May import every stage but the command line; the stages never import Flask.
"""
