"""The form of the bundles blueprint: a project bundle to import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField


class BundleForm(FlaskForm):
    file = FileField(_l("Bundle (.zip)"), validators=[FileRequired(_l("Choose a .zip file.")),
                                                      FileAllowed(["zip"], _l("The bundle must be a .zip file."))])
    add_coders = BooleanField(_l("Add coders the bundle names who are not members of this project as members "
                                 "(role coder)"))
