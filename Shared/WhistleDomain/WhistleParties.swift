import WhistleMessages

/// Who blew a ticket's whistle (吹哨) and who supervises him (CONTRACT §10): the one rule every
/// service asks, so that intake, dispatcher and evaluator agree on both parties.
///
/// - The whistler of a whistle message (channel `whistle`) is its `by`.
/// - The whistler of a grid report with a whistle is the active street office of the street the
///   report's grid lies in (the grid report's whistle carries no `by`).
/// - The ruler of a whistler is the nearest command center (kind `command_center`) on the
///   whistler's `parent` chain, excluding the whistler itself; a city-level command center with
///   none above rules its own whistles.
///
/// Pure: it reads the reference data it is given and does no I/O.
public enum WhistleParties {
    /// The department code that blew the whistle of a ticket, or nil when the ticket has no
    /// whistle (or a grid whistle whose street has no active street office).
    /// - Parameters:
    ///   - channel: the ticket's channel (`ticket_facts.channel`).
    ///   - area: the ticket's area code (`ticket_facts.area_code`): for a grid report, its grid.
    ///   - whistle: the ticket's whistle (`ticket_facts.whistle`), nil when it has none.
    ///   - reference: the reference data the areas and departments are looked up in.
    public static func whistler(channel: Channel, area: String?, whistle: Whistle?, reference: ReferenceData) -> String? {
        guard let whistle else { return nil }
        if let by = whistle.by { return by }
        guard channel == .grid, let area, let street = reference.street(of: area) else { return nil }
        return reference.streetOffice(ofStreet: street.code)?.code
    }

    /// The command center that rules contests against `whistler`'s whistles: the nearest
    /// `command_center` on its `parent` chain (the whistler itself excluded); the whistler itself
    /// when it is a city-level command center with no command center above it. Nil for an
    /// unknown whistler, or any other with no command center above. A broken chain (a cycle or
    /// an unknown parent) ends where it breaks.
    public static func ruler(ofWhistler whistler: String, reference: ReferenceData) -> String? {
        guard let own = reference.departments[whistler] else { return nil }
        var seen: Set<String> = [own.code]
        var next = own.parent
        while let code = next, seen.insert(code).inserted, let department = reference.departments[code] {
            if department.kind == .commandCenter { return department.code }
            next = department.parent
        }
        return own.kind == .commandCenter && own.level == .city ? own.code : nil
    }
}
