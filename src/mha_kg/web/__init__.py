"""The Flask application: thin views over the service layer."""
