"""Record linkage: the same person in several records, within a node and across borders."""
