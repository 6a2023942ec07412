"""Training the integer feature model on a CPU: data, coding-step examples, loop, export.  Not needed to code images."""
