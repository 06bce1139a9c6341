/// A snapshot of the reference data the validators check codes against (CONTRACT §7 lists
/// it: categories, areas, departments). The validators only ask "is this a known code?".
public struct ReferenceCodes: Sendable, Hashable {
    /// Category codes (`category` of a demand).
    public var categories: Set<String>
    /// Grid area codes (`location.grid`).
    public var grids: Set<String>
    /// Every department code (`whistle.departments`, `subject_unit`, evaluation scores).
    public var departments: Set<String>
    /// Department codes of kind `street_office`: who may send an evaluation (`by`). Normally a
    /// subset of `departments`; nothing here enforces it.
    public var streetOffices: Set<String>
    /// Department codes of kind `command_center` (street, district or city level): who besides a
    /// street office may blow a whistle, and so evaluate its ticket (`by`).
    public var commandCenters: Set<String>

    public init(
        categories: Set<String> = [], grids: Set<String> = [], departments: Set<String> = [],
        streetOffices: Set<String> = [], commandCenters: Set<String> = []
    ) {
        self.categories = categories
        self.grids = grids
        self.departments = departments
        self.streetOffices = streetOffices
        self.commandCenters = commandCenters
    }

    /// No codes at all: every code is unknown.
    public static let empty = ReferenceCodes()
}
