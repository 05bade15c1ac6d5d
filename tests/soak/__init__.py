"""The soak harness: the real `triage run` under faults and kill -9, counted from outside."""
