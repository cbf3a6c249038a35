"""Network architecture search spaces (once-for-all style) that turn configurations into
networks analytically, for the network level of NAAS."""
