"""Plain data shared by every layer: frozen, slotted dataclasses and pure helpers.

Only the standard library may be imported here (an import-linter contract enforces it).
"""
