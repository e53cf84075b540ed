/// What `nnc --version` prints after `nnc `; change it here and only here.
let version = "0.1.0"
