"""Widgets of the touch panel and of the views around it."""
