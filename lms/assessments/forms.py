"""Assessment admin forms."""
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange


class TimeExtensionForm(FlaskForm):
    email = EmailField("Trainee's e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    assessment = StringField("Assessment (its short name; leave empty for all timed assessments)",
                             validators=[Length(max=64)])
    minutes = IntegerField("Extra minutes", validators=[DataRequired(), NumberRange(1, 24 * 60)])
    reason = StringField("Reason (kept with the record; no health details)", validators=[Length(max=300)])
