"""Forms of the REFI-QDA blueprint: a .qdc to merge (upload, then confirm) and a .qdpx to import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional


class QdcForm(FlaskForm):
    file = FileField(_l("Codebook (.qdc)"), validators=[FileRequired(_l("Choose a .qdc file.")),
                                                        FileAllowed(["qdc", "xml"], _l("The codebook must be a .qdc file."))])


class QdcConfirmForm(FlaskForm):
    """The uploaded file sent back (base64) with the confirm button."""
    data = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired()])


class QdpxForm(FlaskForm):
    file = FileField(_l("Project (.qdpx)"), validators=[FileRequired(_l("Choose a .qdpx file.")),
                                                        FileAllowed(["qdpx", "zip"], _l("The project must be a .qdpx file."))])
    title = StringField(_l("Title (empty: the name in the file)"), validators=[Optional(), Length(max=200)])
