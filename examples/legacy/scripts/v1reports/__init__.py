"""The V1 report pipeline shared by the three legacy scripts (standard library only)."""
