"""Release artifacts: the files of a release per platform, signed, stored, and downloaded by
licenses the update rule allows; license files for machines without internet."""
