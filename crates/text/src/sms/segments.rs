//! Splitting a message's per-character costs into SMS segments.
//!
//! A concatenated message spends part of every segment on its user data header, so each part
//! holds less than a lone message does. Characters are packed greedily and never split: a
//! GSM-7 extension character's escape septet stays with the septet it escapes, and a UTF-16
//! surrogate pair stays whole, because a phone cannot decode either half alone. A part can
//! therefore end one unit short of its capacity, and counting by dividing the total would be
//! wrong at exactly those boundaries.

/// How many units fit in a segment, alone and as part of a concatenated message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Capacity {
    /// Units in a message that fits in one segment.
    pub(crate) single: usize,
    /// Units in each segment of a longer message, after the user data header.
    pub(crate) multi: usize,
}

/// Septets: 1120 bits hold 160, or 153 after the 48-bit header.
pub(crate) const GSM7: Capacity = Capacity {
    single: 160,
    multi: 153,
};

/// UTF-16 code units: 1120 bits hold 70, or 67 after the 48-bit header.
pub(crate) const UCS2: Capacity = Capacity {
    single: 70,
    multi: 67,
};

/// Counts the segments needed for characters costing `costs` units each.
///
/// A message that fits in one segment takes one, including the empty message. Each cost must
/// be at most `capacity.multi`, which holds for the one- and two-unit characters SMS has.
pub(crate) fn count(costs: &[usize], capacity: Capacity) -> u32 {
    let total: usize = costs.iter().sum();
    if total <= capacity.single {
        return 1;
    }

    let mut segments = 1;
    let mut used = 0;
    for &cost in costs {
        if used + cost > capacity.multi {
            segments += 1;
            used = 0;
        }
        used += cost;
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards the carry rule: a two-unit character that would straddle a boundary opens the
    /// next segment, leaving one unit of the previous one unused, so 306 units that a division
    /// would fit in two parts need three.
    #[test]
    fn two_unit_character_is_not_split() {
        let mut costs = vec![1; 152];
        costs.push(2);
        costs.extend([1; 152]);

        let segments = count(&costs, GSM7);

        assert_eq!(segments, 3, "152 + 2 + 152 units need three 153-unit parts");
    }

    /// Guards the empty message, which Twilio bills and displays as one segment.
    #[test]
    fn empty_is_one_segment() {
        let segments = count(&[], UCS2);

        assert_eq!(segments, 1, "an empty message is one segment");
    }
}
