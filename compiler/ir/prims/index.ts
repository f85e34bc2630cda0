/** Importing this module registers every L1 primitive. */
import './elementwise.js'
import './reduce.js'
import './linalg.js'
import './patches.js'
import './movement.js'
import './create.js'
import './random.js'
