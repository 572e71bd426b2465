"""Public verification: /verify pages, credential-file verification, the JSON and bulk API."""
