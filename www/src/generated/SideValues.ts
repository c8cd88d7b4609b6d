// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { SideInput } from "./SideInput";
import type { SideValue } from "./SideValue";

export type SideValues = { [key in SideInput]?: SideValue };
