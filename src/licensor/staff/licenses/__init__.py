"""The console's license search and a license's dossier."""
