"""Running the desk as a service: health and readiness, Prometheus metrics, JSON logs."""
