"""Learning: catalog, enrollment, lesson delivery, knowledge checks and progress."""
