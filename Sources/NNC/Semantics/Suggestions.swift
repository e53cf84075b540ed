/// "Did you mean" for misspelt names: the closest known name by edit distance, when close enough.
public enum Suggestions {
    /// The candidate nearest to `name`, or nil when none is plausibly what was meant.
    /// Plausible: at most a third of the longer name's characters differ (and at least one may).
    public static func closest(to name: String, among candidates: [String]) -> String? {
        let x = Array(name.lowercased().unicodeScalars)
        let length = name.count
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let limit = max(1, max(length, candidate.count) / 3)
            // The distance is at least the difference in length: most candidates stop here, which
            // keeps a file of a million misspelt lines from spending its time on suggestions.
            guard abs(candidate.unicodeScalars.count - x.count) <= limit else { continue }
            let d = distance(x, Array(candidate.lowercased().unicodeScalars))
            guard d <= limit else { continue }
            if best == nil || d < best!.distance { best = (candidate, d) }
        }
        return best?.name
    }

    /// The `did you mean 'x'?` fix text, or nil.
    static func fix(for name: String, among candidates: [String]) -> String? {
        closest(to: name, among: candidates).map(CheckMessage.didYouMean)
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit (`desne` → `dense`).
    static func distance(_ a: String, _ b: String) -> Int {
        distance(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }

    static func distance(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar]) -> Int {
        // Very long names (garbage input) are never suggestions; skip the quadratic work.
        if x.isEmpty || y.isEmpty || x.count > 64 || y.count > 64 { return max(x.count, y.count) }
        var previous2 = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var d = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d = min(d, previous2[j - 2] + 1)
                }
                current[j] = d
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[y.count]
    }
}
