"""License files for machines without internet."""
