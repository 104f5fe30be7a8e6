/**
 * effect-skyengine 2.x: the SkyEngine client on Effect 4.
 *
 * @since 2.0.0
 */
export {}
