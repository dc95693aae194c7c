"""The scheduler: instance generation, dependencies, the loop, the leader lease."""
