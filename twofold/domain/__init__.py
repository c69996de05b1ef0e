"""Pure logic: no I/O, no web or SQL imports."""
