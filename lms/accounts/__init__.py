"""Accounts: users, roles, organizations, supervisor assignment, sign-up, login, password reset."""
