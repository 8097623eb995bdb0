"""switcher: moves live traffic to an approved release's colour, rolls back, retires old colours."""
