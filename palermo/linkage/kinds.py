"""The kinds of the messages of a linkage exercise between nodes (see `exchange`), in a module of
their own: the app registers them when it starts, without loading the model (Splink, NumPy)."""

KIND_PROPOSE = "linkage.propose"
KIND_ACCEPT = "linkage.accept"
KIND_DECLINE = "linkage.decline"
KIND_ENCODINGS = "linkage.encodings"
KIND_MATCHES = "linkage.matches"
KINDS = (KIND_PROPOSE, KIND_ACCEPT, KIND_DECLINE, KIND_ENCODINGS, KIND_MATCHES)
