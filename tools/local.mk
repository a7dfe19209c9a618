## Command-line tools.
