"""Services: read through the boundaries, decide with the pure rules, write, answer."""
