"""Alembic runs here: only the LMS's tables, recorded in the LMS's own version table."""
from alembic import context

from lms.migrations import VERSION_TABLE
from lms.models import Base

config = context.config
engine = config.attributes["engine"]


def include_object(obj, name, type_, reflected, compare_to):
    # A host app's tables share the database; leave everything that is not ours alone.
    if type_ == "table":
        return name.startswith("lms_")
    return True


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
