"""What the pytest fixtures use (clocks that settle, the production guard, contract
targets); imported lazily by ``bingx_sim.pytest_plugin``, so nothing heavy loads."""
