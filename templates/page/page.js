// Progressive enhancement of the review form: without JavaScript the form posts to /predict and the server
// renders the result; with it, the same request goes to /explain with fetch and the result is drawn in place.
// The markup built here mirrors the server's (src/serve/page.ts).
'use strict'

document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('predict-form')
  var button = document.getElementById('submit')
  var section = document.getElementById('result')
  var body = document.getElementById('result-body')
  if (!form || !button || !section || !body || !window.fetch) return

  function el(tag, attrs, children) {
    var node = document.createElement(tag)
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key])
    })
    ;(children || []).forEach(function (child) {
      node.append(child)
    })
    return node
  }

  function percent(p) {
    return (Math.round(p * 1000) / 10).toFixed(1) + '%'
  }

  function labelClass(label) {
    return 'label label-' + String(label).toLowerCase().replace(/[^a-z0-9-]+/g, '-')
  }

  function words(title, items) {
    var p = el('p', {class: 'words'}, [title + ': '])
    if (items.length === 0) p.append('none')
    items.forEach(function (item) {
      p.append(el('span', {class: 'token', title: 'contribution ' + item.contribution.toFixed(3)}, [item.token]))
    })
    return p
  }

  function render(result) {
    var verdict = el('p', {class: 'verdict'}, [
      'Sentiment: ',
      el('strong', {id: 'result-label', class: labelClass(result.label)}, [result.label]),
      ' (',
      el('span', {id: 'result-score'}, [percent(result.score)]),
      ' confident)',
    ])
    var list = el('dl', {class: 'probabilities'})
    Object.keys(result.probabilities).forEach(function (name) {
      var p = result.probabilities[name]
      list.append(el('dt', {}, [name]))
      list.append(el('dd', {}, [
        el('meter', {min: '0', max: '1', value: String(p), 'aria-label': 'probability of ' + name}, [percent(p)]),
        el('span', {}, [percent(p)]),
      ]))
    })
    body.replaceChildren(
      verdict,
      list,
      words('Words for ' + result.target, result.positive || []),
      words('Words against ' + result.target, result.negative || []),
    )
  }

  function showError(message) {
    body.replaceChildren(el('p', {class: 'error', role: 'alert', id: 'result-error'}, [message]))
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault()
    var text = form.elements.namedItem('text').value
    button.disabled = true
    section.setAttribute('aria-busy', 'true')
    fetch('/explain', {
      method: 'POST',
      headers: {'content-type': 'application/json', accept: 'application/json'},
      body: JSON.stringify({text: text, top_k: 5}),
    })
      .then(function (response) {
        return response.json().then(function (json) {
          if (!response.ok) throw new Error(json && json.message ? json.message : 'the server answered ' + response.status)
          return json
        })
      })
      .then(render, function (error) {
        showError(error.message || String(error))
      })
      .finally(function () {
        section.hidden = false
        section.removeAttribute('aria-busy')
        button.disabled = false
      })
  })
})
