"""The shell's widgets: the status bar, the ``:`` command line and the help screen."""
