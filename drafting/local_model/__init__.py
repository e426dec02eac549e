"""A real local model for trying the model path without an account: the packaged GGUF assembled
into the data directory, verified, and served on loopback by xllamacpp. May import settings only.
"""
