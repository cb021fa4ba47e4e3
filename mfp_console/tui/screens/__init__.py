"""Modal screens of the panel: message boxes, yes/no questions, forms, the login keypad, help."""
