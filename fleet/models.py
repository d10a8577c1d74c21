"""Fleet accounts (wagenpark): filled by the fleet issue."""
