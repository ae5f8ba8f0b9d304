"""Business calendars: working hours, Chinese statutory holidays and make-up workdays."""
