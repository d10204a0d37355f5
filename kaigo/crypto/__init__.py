"""Field encryption: per-person data keys wrapped by versioned key-encryption keys, AES-GCM
bound to table, column and row, and blind indexes for exact-match search.

See docs/subsystems/encryption.md. Layers:
- keyring.py: where keys come from (file or environment now; a key-store adapter later);
- envelope.py: the ciphertext formats (sealed field values, wrapped data keys);
- blind_index.py: normalisation and keyed, truncated HMAC indexes;
- deks.py: a person's data key: create, unwrap (with a short in-process cache), shred;
- fields.py: the model field that reads and writes like an ordinary field.
"""
