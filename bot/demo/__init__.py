"""Demo data: a simulated month of traffic driven through the real desk."""
