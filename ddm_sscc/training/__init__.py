"""Training the diffusion transformer: data, objective, loop.  Not needed to code images."""
