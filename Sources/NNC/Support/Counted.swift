/// A count and its noun in the right number — `1 epoch`, `2 epochs`, `1 batch`, `3 batches` —
/// for every count nnc prints. `plural` for the nouns that take neither `s` nor `es`.
public func counted(_ n: Int, _ noun: String, plural: String? = nil) -> String {
    // `-es` after a hissing end (batch, class, box); epoch's hard "ch" takes a plain `s`.
    let hissing = ["s", "x", "sh", "tch"].contains { noun.hasSuffix($0) }
    return "\(n) " + (n == 1 ? noun : plural ?? noun + (hissing ? "es" : "s"))
}
