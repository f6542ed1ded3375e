"""What the console reads of subscriptions, and its pages."""
