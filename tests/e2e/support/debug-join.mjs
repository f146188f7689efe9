import { startServer, launchApp, tmp, waitFor } from './harness.mjs'
import { join } from 'node:path'
const dirs = { config: tmp('config'), data: tmp('data'), db: tmp('db') }
const server = await startServer({ db: join(dirs.db, 'x.db') })
const { browser: b, close } = await launchApp({ BANTER_CONFIG_DIR: dirs.config, BANTER_DATA_DIR: dirs.data })
try {
  await (await b.$('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
  await (await b.$('aria/Server URL')).setValue(server.url)
  await (await b.$('aria/Display name')).setValue('ann')
  await (await b.$('aria/Join')).click()
  await new Promise((r) => setTimeout(r, 9000))
  console.log('ERR:', await b.execute(() => document.querySelector('.form-error')?.textContent), await b.execute(() => document.querySelector('.toast')?.textContent))
  await b.saveScreenshot('/tmp/dbg/after-join.png')
} finally {
  await close()
  await server.stop()
}
