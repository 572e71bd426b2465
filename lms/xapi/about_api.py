"""The About Resource (xAPI Communication 2.8): no authentication needed."""
from flask import jsonify

from lms.xapi.http import no_auth, xapi_bp


@xapi_bp.route("/about", methods=["GET"])
@no_auth
def about():
    return jsonify({"version": ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]})
