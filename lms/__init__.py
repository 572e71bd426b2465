"""Peer-recovery LMS: a Flask extension for training and certifying peer recovery workers."""
from lms.extension import LMS

__all__ = ["LMS"]
