"""The Exchanger API service: direct task intake (HTTP and the intake queue) and control of runs."""
